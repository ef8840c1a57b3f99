import { z } from 'zod';
import { accountId } from './accounts';
import { bucketName, objectKey } from './storage';

/**
 * The desktop side of uploads and downloads: native dialogs and the file manager in the
 * desktop app; in web mode (no desktop of its own) the page's file inputs and browser
 * downloads stand in, and these calls say so (`native: false`).
 */
export const filesContract = {
  /**
   * Files (several) or folders to upload, chosen in a native dialog. Web mode answers
   * `native: false` and no paths: the page opens its own file or folder input instead.
   */
  pickUpload: {
    request: z.object({ kind: z.enum(['files', 'folder']) }).strict(),
    response: z.object({ native: z.boolean(), paths: z.array(z.string()) }),
  },
  /**
   * Shows a finished download's file in the system file manager (desktop app). Web mode
   * answers `shown: false` with the path, for the page to show and copy.
   */
  showInFolder: {
    request: z.object({ jobId: z.string().min(1).max(64) }).strict(),
    response: z.object({ shown: z.boolean(), path: z.string() }),
  },
  /**
   * A short-lived signed GET of one object that the browser saves as a download (its
   * response carries `Content-Disposition: attachment` with the object's name): web mode
   * downloads single files this way, into the folder the browser asks for.
   */
  downloadLink: {
    request: z
      .object({
        accountId,
        bucket: bucketName,
        region: z
          .string()
          .regex(/^[a-z0-9-]{1,64}$/)
          .optional(),
        key: objectKey.refine((k) => !k.endsWith('/'), 'a folder is not downloaded as one file'),
      })
      .strict(),
    response: z.object({ url: z.string(), name: z.string(), expiresAt: z.string() }),
  },
} as const;
