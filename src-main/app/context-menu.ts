import { BrowserWindow, Menu, type MenuItemConstructorOptions } from 'electron';
import type { NativeMenuItem } from '../../src-shared/contract';

/** The page's context menu as a native one (Menu.popup); resolves with the chosen index. */
export function popupNativeMenu(
  items: NativeMenuItem[],
  at?: { x: number; y: number },
): Promise<number | undefined> {
  return new Promise((done) => {
    let chosen: number | undefined;
    const template: MenuItemConstructorOptions[] = [];
    items.forEach((item, i) => {
      if (item.separatorBefore && template.length > 0) template.push({ type: 'separator' });
      template.push({ label: item.label, enabled: item.enabled, click: () => (chosen = i) });
    });
    const window = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    // The click may come just after the menu reports closing: answer on the next turn.
    Menu.buildFromTemplate(template).popup({
      window,
      ...at,
      callback: () => setTimeout(() => done(chosen), 0),
    });
  });
}
