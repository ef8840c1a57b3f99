import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../src-shared/shortcuts';
import { buildMenuTemplate } from './menu-template';

/**
 * The application menu, in the settings' language (rebuilt when it changes); its entries send
 * `app.command` to the page. Returns the rebuild function.
 */
export function installMenu(send: (command: AppCommand) => void, language: () => string): () => void {
  const build = (): void => {
    const template = buildMenuTemplate({
      mac: process.platform === 'darwin',
      lang: language().startsWith('zh') ? 'zh' : 'en',
      appName: app.getName?.() ?? 'cosdesk',
      send,
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template as MenuItemConstructorOptions[]));
  };
  build();
  return build;
}
