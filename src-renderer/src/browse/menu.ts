/** What the object context menu can ask the browser to do. */
export type MenuAction =
  | 'open'
  | 'download'
  | 'copyLink'
  | 'rename'
  | 'delete'
  | 'properties'
  | 'permissions'
  | 'access'
  | 'preview'
  | 'versions';
