import { z } from 'zod';
import { accountId } from './accounts';
import { bucketName } from './storage';

/**
 * "Find your way": bookmarks, recent places and buckets opened by name, per account, kept by
 * main in its data folder (places.json) so they survive a reload and a restart.
 */
const region = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/)
  .optional();
/** A folder of a bucket: '' for the root, else ending with '/'. */
const folderPrefix = z
  .string()
  .max(1024)
  .refine((p) => p === '' || p.endsWith('/'), { message: "a folder ends with '/'" });

export const place = z.object({
  bucket: z.string(),
  prefix: z.string(),
  region: z.string().optional(),
  /** When it was bookmarked or last visited (ISO time). */
  at: z.string(),
});
export type Place = z.infer<typeof place>;

export const rememberedBucket = z.object({ name: z.string(), region: z.string().optional() });

export const placesState = z.object({
  bookmarks: z.array(place),
  /** Most recent first, at most RECENT_MAX. */
  recent: z.array(place),
  /** Buckets opened by name (a key that may not list buckets), oldest first. */
  buckets: z.array(rememberedBucket),
});
export type PlacesState = z.infer<typeof placesState>;

export const RECENT_MAX = 20;
export const BOOKMARKS_MAX = 500;

const placeRef = z.object({ accountId, bucket: bucketName, prefix: folderPrefix, region }).strict();

export const placesContract = {
  list: { request: z.object({ accountId }).strict(), response: placesState },
  addBookmark: { request: placeRef, response: placesState },
  removeBookmark: { request: placeRef, response: placesState },
  /** A folder was opened: it goes to the top of the recent places. */
  visit: { request: placeRef, response: placesState },
  rememberBucket: {
    request: z.object({ accountId, bucket: bucketName, region }).strict(),
    response: placesState,
  },
  forgetBucket: { request: z.object({ accountId, bucket: bucketName }).strict(), response: placesState },
} as const;
