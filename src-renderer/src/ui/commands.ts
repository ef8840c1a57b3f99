import { commandForKey, type AppCommand } from '../../../src-shared/shortcuts';
import { bridge } from '../bridge/store';

/** Features listen for app commands on window: `addEventListener(COMMAND_EVENT, (e) => e.detail.command)`. */
export const COMMAND_EVENT = 'cosdesk:command';
export type CommandEvent = CustomEvent<{ command: AppCommand }>;

export function isMacPlatform(): boolean {
  const nav = navigator as Navigator & { userAgentData?: { platform?: string } };
  return /mac/i.test(nav.userAgentData?.platform ?? navigator.platform ?? '');
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * App commands from the application menu (desktop: main's `app.command` event) and, in web mode
 * where there is no menu, from the same shortcuts pressed in the page. `?` and F1 open the
 * shortcuts sheet everywhere. Each command goes to `handle` first, then to the features as a
 * window event. Returns the unsubscribe.
 */
export function listenForCommands(opts: { menu: boolean; handle(command: AppCommand): boolean }): () => void {
  const run = (command: AppCommand): void => {
    opts.handle(command);
    window.dispatchEvent(new CustomEvent(COMMAND_EVENT, { detail: { command } }));
  };
  const off = bridge().events.on('app.command', (p) => run(p.command));
  const mac = isMacPlatform();
  const onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented) return;
    let command: AppCommand | undefined;
    if (e.key === 'F1' || (e.key === '?' && !typing(e.target) && !e.ctrlKey && !e.metaKey))
      command = 'shortcuts';
    // With a menu, its accelerators fire the commands already.
    else if (!opts.menu && !typing(e.target)) command = commandForKey(e, mac);
    if (!command) return;
    e.preventDefault();
    run(command);
  };
  window.addEventListener('keydown', onKey);
  return () => {
    off();
    window.removeEventListener('keydown', onKey);
  };
}
