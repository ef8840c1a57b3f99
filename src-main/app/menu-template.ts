import {
  MENU_LABELS,
  MENUS,
  SHORTCUTS,
  type AppCommand,
  type MenuRole,
  type ShortcutEntry,
} from '../../src-shared/shortcuts';

/** The part of Electron's MenuItemConstructorOptions the application menu uses (kept free of electron for tests). */
export interface MenuItemSpec {
  label?: string;
  role?: MenuRole | 'appMenu' | 'about' | 'hide' | 'hideOthers' | 'unhide' | 'services' | 'front';
  accelerator?: string;
  type?: 'separator';
  submenu?: MenuItemSpec[];
  click?: () => void;
  /** The command it sends (for tests and the stub). */
  id?: string;
}

export interface MenuTemplateOptions {
  mac: boolean;
  lang: 'en' | 'zh';
  appName: string;
  send(command: AppCommand): void;
}

function shown(s: ShortcutEntry, mac: boolean): boolean {
  return !s.platform || (s.platform === 'mac') === mac;
}

/**
 * File, Edit, View, Go, Window, Help from the shared shortcuts table (src-shared/shortcuts.ts):
 * command entries send `app.command` to the page; roles are Electron's own (copy works in every
 * text field). macOS gets its application menu first.
 */
export function buildMenuTemplate(o: MenuTemplateOptions): MenuItemSpec[] {
  const menus: MenuItemSpec[] = MENUS.map((menu) => {
    const items: MenuItemSpec[] = [];
    for (const s of SHORTCUTS) {
      if (s.menu !== menu || !shown(s, o.mac)) continue;
      if (s.separatorBefore && items.length > 0) items.push({ type: 'separator' });
      const label = s.label[o.lang];
      const accelerator = s.accelerators[0];
      if (s.role) items.push({ label, role: s.role, accelerator });
      else if (s.command) {
        const command = s.command;
        items.push({ label, accelerator, id: command, click: () => o.send(command) });
      }
      // Further accelerators of the same command (F5 for refresh) as hidden entries would
      // clutter the menu; the page handles them (see ui/commands.ts).
    }
    return { label: MENU_LABELS[menu][o.lang], submenu: items, id: menu };
  });
  if (!o.mac) return menus;
  return [
    {
      label: o.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    ...menus,
  ];
}
