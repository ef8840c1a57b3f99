/**
 * The one table of application commands and their shortcuts: the Electron application menu
 * is built from it (src-main/app/menu.ts) and the keyboard-shortcuts sheet lists it
 * (src-renderer/src/ui/ShortcutsSheet.vue), so the two cannot drift apart. Accelerators use
 * Electron's syntax; `CmdOrCtrl` is Cmd on macOS and Ctrl elsewhere.
 */
export const MENUS = ['file', 'edit', 'view', 'go', 'window', 'help'] as const;
export type MenuName = (typeof MENUS)[number];

/** Commands main sends to the page in the `app.command` event. */
export const APP_COMMANDS = [
  'upload-files',
  'upload-folder',
  'new-folder',
  'download',
  'settings',
  'find',
  'delete',
  'refresh',
  'toggle-transfers',
  'toggle-theme',
  'go-back',
  'go-up',
  'go-to-path',
  'go-buckets',
  'shortcuts',
  'link-inspector',
] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];

/** Menu items Electron implements itself (Edit > Copy works in every text field this way). */
export const MENU_ROLES = [
  'undo',
  'redo',
  'cut',
  'copy',
  'paste',
  'selectAll',
  'quit',
  'reload',
  'toggleDevTools',
  'resetZoom',
  'zoomIn',
  'zoomOut',
  'togglefullscreen',
  'minimize',
  'close',
] as const;
export type MenuRole = (typeof MENU_ROLES)[number];

export interface ShortcutEntry {
  menu: MenuName;
  /** A command sent to the page, or a role Electron performs. */
  command?: AppCommand;
  role?: MenuRole;
  /** Electron accelerator syntax; the first is the menu's, the rest work in the page too. */
  accelerators: string[];
  /** Keys the page handles that are not menu accelerators (e.g. `?`). */
  pageKeys?: string[];
  label: { en: string; zh: string };
  /** A separator goes above this item in the menu. */
  separatorBefore?: boolean;
  /** The page binds these keys itself (web mode turns them into no command). */
  pageBound?: boolean;
  /** Only on macOS / never on macOS (the app menu has Quit there). */
  platform?: 'mac' | 'not-mac';
}

export const SHORTCUTS: readonly ShortcutEntry[] = [
  {
    menu: 'file',
    command: 'upload-files',
    accelerators: ['CmdOrCtrl+U'],
    label: { en: 'Upload files…', zh: '上传文件…' },
  },
  {
    menu: 'file',
    command: 'upload-folder',
    accelerators: ['CmdOrCtrl+Shift+U'],
    label: { en: 'Upload folder…', zh: '上传文件夹…' },
  },
  {
    menu: 'file',
    command: 'new-folder',
    accelerators: ['CmdOrCtrl+Shift+N'],
    label: { en: 'New folder', zh: '新建文件夹' },
  },
  { menu: 'file', command: 'download', accelerators: ['CmdOrCtrl+D'], label: { en: 'Download', zh: '下载' } },
  {
    menu: 'file',
    command: 'settings',
    accelerators: ['CmdOrCtrl+,'],
    label: { en: 'Settings…', zh: '设置…' },
    separatorBefore: true,
  },
  {
    menu: 'file',
    role: 'quit',
    accelerators: ['CmdOrCtrl+Q'],
    label: { en: 'Quit', zh: '退出' },
    separatorBefore: true,
    platform: 'not-mac',
  },
  { menu: 'edit', role: 'undo', accelerators: ['CmdOrCtrl+Z'], label: { en: 'Undo', zh: '撤销' } },
  { menu: 'edit', role: 'redo', accelerators: ['Shift+CmdOrCtrl+Z'], label: { en: 'Redo', zh: '重做' } },
  {
    menu: 'edit',
    role: 'cut',
    accelerators: ['CmdOrCtrl+X'],
    label: { en: 'Cut', zh: '剪切' },
    separatorBefore: true,
  },
  { menu: 'edit', role: 'copy', accelerators: ['CmdOrCtrl+C'], label: { en: 'Copy', zh: '复制' } },
  { menu: 'edit', role: 'paste', accelerators: ['CmdOrCtrl+V'], label: { en: 'Paste', zh: '粘贴' } },
  { menu: 'edit', role: 'selectAll', accelerators: ['CmdOrCtrl+A'], label: { en: 'Select all', zh: '全选' } },
  {
    menu: 'edit',
    command: 'find',
    accelerators: ['CmdOrCtrl+F'],
    label: { en: 'Filter this folder', zh: '筛选此文件夹' },
    separatorBefore: true,
  },
  {
    menu: 'edit',
    command: 'delete',
    accelerators: ['CmdOrCtrl+Backspace'],
    pageKeys: ['Delete'],
    label: { en: 'Delete selected', zh: '删除所选' },
  },
  {
    menu: 'view',
    command: 'refresh',
    accelerators: ['CmdOrCtrl+R', 'F5'],
    label: { en: 'Refresh listing', zh: '刷新列表' },
  },
  {
    menu: 'view',
    command: 'toggle-transfers',
    accelerators: ['CmdOrCtrl+J'],
    label: { en: 'Show or hide transfers', zh: '显示或隐藏传输' },
  },
  {
    menu: 'view',
    command: 'toggle-theme',
    accelerators: ['CmdOrCtrl+Shift+L'],
    label: { en: 'Switch light / dark theme', zh: '切换浅色/深色主题' },
  },
  {
    menu: 'view',
    role: 'resetZoom',
    accelerators: ['CmdOrCtrl+0'],
    label: { en: 'Actual size', zh: '实际大小' },
    separatorBefore: true,
  },
  { menu: 'view', role: 'zoomIn', accelerators: ['CmdOrCtrl+Plus'], label: { en: 'Zoom in', zh: '放大' } },
  { menu: 'view', role: 'zoomOut', accelerators: ['CmdOrCtrl+-'], label: { en: 'Zoom out', zh: '缩小' } },
  {
    menu: 'view',
    role: 'togglefullscreen',
    accelerators: ['F11'],
    label: { en: 'Full screen', zh: '全屏' },
    separatorBefore: true,
  },
  {
    menu: 'view',
    role: 'toggleDevTools',
    accelerators: ['CmdOrCtrl+Shift+I'],
    label: { en: 'Developer tools', zh: '开发者工具' },
  },
  {
    menu: 'go',
    command: 'go-back',
    accelerators: ['Alt+Left'],
    pageBound: true,
    label: { en: 'Back', zh: '后退' },
  },
  {
    menu: 'go',
    command: 'go-up',
    accelerators: ['Alt+Up'],
    label: { en: 'Enclosing folder', zh: '上级文件夹' },
  },
  {
    menu: 'go',
    command: 'go-to-path',
    accelerators: ['CmdOrCtrl+L'],
    label: { en: 'Go to bucket/prefix…', zh: '前往存储桶/路径…' },
  },
  {
    menu: 'go',
    command: 'go-buckets',
    accelerators: ['CmdOrCtrl+Shift+B'],
    label: { en: 'Buckets', zh: '存储桶列表' },
  },
  {
    menu: 'go',
    command: 'link-inspector',
    accelerators: ['CmdOrCtrl+Shift+K'],
    label: { en: 'Signed-link inspector', zh: '签名链接检查器' },
  },
  {
    menu: 'window',
    role: 'minimize',
    accelerators: ['CmdOrCtrl+M'],
    label: { en: 'Minimize', zh: '最小化' },
  },
  {
    menu: 'window',
    role: 'close',
    accelerators: ['CmdOrCtrl+W'],
    label: { en: 'Close window', zh: '关闭窗口' },
  },
  {
    menu: 'help',
    command: 'shortcuts',
    accelerators: ['F1'],
    pageKeys: ['?'],
    label: { en: 'Keyboard shortcuts', zh: '键盘快捷键' },
  },
];

export const MENU_LABELS: Record<MenuName, { en: string; zh: string }> = {
  file: { en: 'File', zh: '文件' },
  edit: { en: 'Edit', zh: '编辑' },
  view: { en: 'View', zh: '视图' },
  go: { en: 'Go', zh: '前往' },
  window: { en: 'Window', zh: '窗口' },
  help: { en: 'Help', zh: '帮助' },
};

const KEY_NAMES: Record<string, { mac: string; other: string }> = {
  cmdorctrl: { mac: '⌘', other: 'Ctrl' },
  commandorcontrol: { mac: '⌘', other: 'Ctrl' },
  shift: { mac: '⇧', other: 'Shift' },
  alt: { mac: '⌥', other: 'Alt' },
  option: { mac: '⌥', other: 'Alt' },
  left: { mac: '←', other: '←' },
  right: { mac: '→', other: '→' },
  up: { mac: '↑', other: '↑' },
  down: { mac: '↓', other: '↓' },
  backspace: { mac: '⌫', other: 'Backspace' },
  plus: { mac: '+', other: '+' },
};

/** An accelerator as people read it: `⌘⇧U` on macOS, `Ctrl+Shift+U` elsewhere. */
export function formatAccelerator(acc: string, mac: boolean): string {
  const parts = acc.split('+').map((p) => {
    const named = KEY_NAMES[p.toLowerCase()];
    return named ? (mac ? named.mac : named.other) : p;
  });
  return mac ? parts.join('') : parts.join('+');
}

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Whether a keydown matches an accelerator (in the page, where there is no menu: web mode). */
export function matchesAccelerator(e: KeyLike, acc: string, mac: boolean): boolean {
  const parts = acc.toLowerCase().split('+');
  let key = parts.pop() ?? '';
  if (key === '' && acc.endsWith('+')) key = '+';
  const want = {
    mod: parts.includes('cmdorctrl') || parts.includes('commandorcontrol'),
    shift: parts.includes('shift'),
    alt: parts.includes('alt') || parts.includes('option'),
  };
  const mod = mac ? e.metaKey : e.ctrlKey;
  const other = mac ? e.ctrlKey : e.metaKey;
  if (mod !== want.mod || other || e.altKey !== want.alt || e.shiftKey !== want.shift) return false;
  const aliases: Record<string, string> = {
    left: 'arrowleft',
    right: 'arrowright',
    up: 'arrowup',
    down: 'arrowdown',
    plus: '+',
  };
  return e.key.toLowerCase() === (aliases[key] ?? key);
}

/** The command a keydown in the page stands for, if any (roles are left to the browser). */
export function commandForKey(e: KeyLike, mac: boolean): AppCommand | undefined {
  for (const s of SHORTCUTS) {
    if (!s.command || s.pageBound) continue;
    if (s.accelerators.some((a) => matchesAccelerator(e, a, mac))) return s.command;
  }
  return undefined;
}
