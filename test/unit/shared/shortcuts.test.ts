import { describe, expect, it } from 'vitest';
import {
  APP_COMMANDS,
  commandForKey,
  formatAccelerator,
  MENUS,
  SHORTCUTS,
} from '../../../src-shared/shortcuts';

const key = (k: string, m: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...m,
});

describe('the shared shortcuts table', () => {
  it('gives every command an entry and no two entries the same keys', () => {
    for (const c of APP_COMMANDS)
      expect(
        SHORTCUTS.some((s) => s.command === c),
        c,
      ).toBe(true);
    const all = SHORTCUTS.flatMap((s) => s.accelerators.map((a) => a.toLowerCase()));
    expect(new Set(all).size).toBe(all.length);
    for (const s of SHORTCUTS) expect(MENUS).toContain(s.menu);
    for (const s of SHORTCUTS) expect(Boolean(s.command) !== Boolean(s.role)).toBe(true);
  });

  it('reads CmdOrCtrl as Cmd on macOS and Ctrl elsewhere', () => {
    expect(formatAccelerator('CmdOrCtrl+Shift+U', true)).toBe('⌘⇧U');
    expect(formatAccelerator('CmdOrCtrl+Shift+U', false)).toBe('Ctrl+Shift+U');
    expect(commandForKey(key('u', { metaKey: true }), true)).toBe('upload-files');
    expect(commandForKey(key('u', { ctrlKey: true }), true)).toBeUndefined();
    expect(commandForKey(key('u', { ctrlKey: true }), false)).toBe('upload-files');
    expect(commandForKey(key('U', { ctrlKey: true, shiftKey: true }), false)).toBe('upload-folder');
    expect(commandForKey(key(',', { ctrlKey: true }), false)).toBe('settings');
    expect(commandForKey(key('F5'), false)).toBe('refresh');
    expect(commandForKey(key('ArrowUp', { altKey: true }), false)).toBe('go-up');
    // Copy stays the browser's (a role, not a command); Back is bound by the page itself.
    expect(commandForKey(key('c', { ctrlKey: true }), false)).toBeUndefined();
    expect(commandForKey(key('ArrowLeft', { altKey: true }), false)).toBeUndefined();
  });
});
