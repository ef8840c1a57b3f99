/**
 * Every contract call, by service. Kept free of zod so the sandboxed preload can build its
 * one-method-per-call bridge from it; `contract.ts` is type-checked against this list.
 */
export const METHODS = {
  app: ['info', 'chooseDownloadFolder'],
  accounts: ['list', 'get', 'add', 'update', 'remove', 'test', 'testDraft'],
  storage: [
    'listBuckets',
    'createBucket',
    'deleteBucket',
    'openBucket',
    'listObjects',
    'headObject',
    'createFolder',
    'deleteObjects',
    'copyObject',
    'moveObject',
    'listUploads',
    'abortUploads',
  ],
  transfers: [
    'upload',
    'download',
    'list',
    'pause',
    'resume',
    'cancel',
    'retry',
    'clear',
    'resolveConflict',
    'getLimits',
    'setLimits',
    'webUpload',
  ],
  sharing: ['limits', 'presign', 'listLinks', 'clearLinks', 'reissue', 'checkLink', 'mint', 'uploadLink'],
  permissions: [
    'getAcl',
    'putAcl',
    'getPolicy',
    'putPolicy',
    'deletePolicy',
    'policyHistory',
    'restorePolicy',
    'folderPublic',
    'setFolderPublic',
    'countExposure',
    'whoCanAccess',
  ],
  bucketSettings: ['get', 'set', 'empty', 'emptyJob', 'cancelEmpty'],
  places: ['list', 'addBookmark', 'removeBookmark', 'visit', 'rememberBucket', 'forgetBucket'],
  operations: [
    'start',
    'cancel',
    'get',
    'list',
    'clear',
    'conflicts',
    'listInterrupted',
    'resumeInterrupted',
    'dismissInterrupted',
  ],
  files: ['pickUpload', 'showInFolder', 'downloadLink'],
  versions: [
    'getVersioning',
    'setVersioning',
    'listVersions',
    'objectVersions',
    'restore',
    'deleteVersion',
    'listDeleted',
    'undelete',
    'previewUrl',
    'previewText',
  ],
  settings: ['get', 'set', 'chooseDownloadDir'],
  desktop: ['popupMenu'],
} as const;

export const EVENT_NAMES = [
  'accounts.changed',
  'transfers.changed',
  'transfers.progress',
  'accounts.tokenExpired',
  'sharing.linksChanged',
  'bucketSettings.emptyProgress',
  'operations.progress',
  'transfers.finished',
  'settings.changed',
  'app.command',
] as const;

export type MethodMap = typeof METHODS;
export type ServiceName = keyof MethodMap;
export type MethodName<S extends ServiceName> = MethodMap[S][number];
export type EventName = (typeof EVENT_NAMES)[number];

export const ALL_METHODS: readonly string[] = Object.entries(METHODS).flatMap(([svc, names]) =>
  (names as readonly string[]).map((m) => `${svc}.${m}`),
);
