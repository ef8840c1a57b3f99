/** A bucket as requests address it: its region only when it is not the account's default. */
export interface BucketLoc {
  bucket: string;
  region?: string;
}

export interface OpOptions {
  signal?: AbortSignal;
}
