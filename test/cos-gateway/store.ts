/**
 * The gateway's sidecar state, one JSON file in its data dir:
 * object CRC64s (keyed by bucket/key, valid only while RGW's ETag matches), part CRC64s
 * (per uploadId/partNumber), the COS form of each bucket policy as it was written, and the
 * region each bucket was created in (for <Location>). In a versioned bucket a key has many
 * versions: every CRC stays known by bucket/key and ETag, so a version read or copied by
 * `?versionId=` still answers its own CRC64 (as COS does for every version).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ObjectCrc {
  crc: string;
  etag: string;
  size: number;
}

export interface PartCrc {
  crc: string;
  etag: string;
  size: number;
}

interface State {
  objects: Record<string, ObjectCrc>;
  parts: Record<string, Record<string, PartCrc>>;
  /** rgwBucket → { cos: COS document as written, s3: canonical JSON of what we sent to RGW } */
  policies: Record<string, { cos: string; s3: string }>;
  regions: Record<string, string>;
  /** `bucket/key#etag` → CRC, for every object written (older versions included). */
  history: Record<string, ObjectCrc>;
}

const stripQuotes = (e: string) => e.replace(/^W\//, '').replace(/"/g, '');

export class SidecarStore {
  private state: State = { objects: {}, parts: {}, policies: {}, regions: {}, history: {} };
  private readonly file: string;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'cos-gateway-state.json');
    try {
      const loaded = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<State>;
      this.state = { objects: {}, parts: {}, policies: {}, regions: {}, history: {}, ...loaded };
    } catch {
      // fresh
    }
  }

  private key(bucket: string, key: string): string {
    return `${bucket}/${key}`;
  }

  private dirty(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, 50);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  // ---- objects ----
  putObject(bucket: string, key: string, v: ObjectCrc): void {
    const rec = { ...v, etag: stripQuotes(v.etag) };
    this.state.objects[this.key(bucket, key)] = rec;
    this.state.history[`${this.key(bucket, key)}#${rec.etag}`] = rec;
    this.dirty();
  }

  /** The stored CRC if it still describes the object RGW has (same ETag). */
  objectCrc(bucket: string, key: string, etag?: string): ObjectCrc | undefined {
    const v = this.state.objects[this.key(bucket, key)];
    if (etag !== undefined && (!v || stripQuotes(etag) !== v.etag)) {
      // Another version of the key (or the one under a removed delete marker).
      return this.state.history[`${this.key(bucket, key)}#${stripQuotes(etag)}`];
    }
    return v;
  }

  deleteObject(bucket: string, key: string): void {
    if (delete this.state.objects[this.key(bucket, key)]) this.dirty();
  }

  deleteBucket(bucket: string): void {
    const p = `${bucket}/`;
    for (const k of Object.keys(this.state.objects)) if (k.startsWith(p)) delete this.state.objects[k];
    for (const k of Object.keys(this.state.history)) if (k.startsWith(p)) delete this.state.history[k];
    delete this.state.policies[bucket];
    delete this.state.regions[bucket];
    this.dirty();
  }

  // ---- parts ----
  putPart(uploadId: string, partNumber: number, v: PartCrc): void {
    (this.state.parts[uploadId] ??= {})[String(partNumber)] = { ...v, etag: stripQuotes(v.etag) };
    this.dirty();
  }

  part(uploadId: string, partNumber: number, etag: string): PartCrc | undefined {
    const v = this.state.parts[uploadId]?.[String(partNumber)];
    if (!v || v.etag !== stripQuotes(etag)) return undefined;
    return v;
  }

  dropUpload(uploadId: string): void {
    if (delete this.state.parts[uploadId]) this.dirty();
  }

  // ---- policies / regions ----
  setPolicy(bucket: string, cos: string, s3: string): void {
    this.state.policies[bucket] = { cos, s3 };
    this.dirty();
  }

  policy(bucket: string): { cos: string; s3: string } | undefined {
    return this.state.policies[bucket];
  }

  dropPolicy(bucket: string): void {
    if (delete this.state.policies[bucket]) this.dirty();
  }

  setRegion(bucket: string, region: string): void {
    this.state.regions[bucket] = region;
    this.dirty();
  }

  region(bucket: string): string | undefined {
    return this.state.regions[bucket];
  }
}
