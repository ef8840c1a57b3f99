import { readFileSync, renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Size, position and maximized state of the main window, in the data folder. */
export const WINDOW_STATE_FILE = 'window-state.json';

const windowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(20000),
  height: z.number().int().min(200).max(20000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowState>;

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 820, maximized: false };
/** This much of the window's top must be on a display for the user to grab it. */
const MIN_VISIBLE = { width: 120, height: 40 };

export function loadWindowState(dataDir: string): WindowState | undefined {
  try {
    const parsed = windowState.safeParse(JSON.parse(readFileSync(join(dataDir, WINDOW_STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole (temp file, rename) and synchronously: it runs while the window closes. */
export function saveWindowState(dataDir: string, state: WindowState): void {
  const path = join(dataDir, WINDOW_STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    rmSync(tmp, { force: true });
  }
}

function overlap(a: Area, b: Area): Area {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - x),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - y),
  };
}

/**
 * The saved state placed onto the displays there are now: kept where it was if its title bar
 * is on one of them, else (a display was unplugged, the resolution shrank) centred on the first
 * display; never larger than that display's work area.
 */
export function placeOnDisplays(saved: WindowState | undefined, displays: Area[]): WindowState {
  const s = saved ?? DEFAULT_WINDOW;
  const primary = displays[0];
  if (!primary) return { ...s };
  if (s.x !== undefined && s.y !== undefined) {
    const titleBar = { x: s.x, y: s.y, width: s.width, height: MIN_VISIBLE.height };
    const home = displays.find((d) => {
      const o = overlap(titleBar, d);
      return o.width >= Math.min(MIN_VISIBLE.width, s.width) && o.height >= MIN_VISIBLE.height / 2;
    });
    if (home) {
      return {
        ...s,
        width: Math.min(s.width, home.width),
        height: Math.min(s.height, home.height),
      };
    }
  }
  const width = Math.min(s.width, primary.width);
  const height = Math.min(s.height, primary.height);
  return {
    width,
    height,
    maximized: s.maximized,
    x: Math.round(primary.x + (primary.width - width) / 2),
    y: Math.round(primary.y + (primary.height - height) / 2),
  };
}

interface TrackedWindow {
  on(event: 'resize' | 'move' | 'close' | 'maximize' | 'unmaximize', fn: () => void): unknown;
  getNormalBounds(): Area;
  isMaximized(): boolean;
}

/** Save the window's state as it changes (at most every 500 ms) and when it closes. */
export function trackWindowState(win: TrackedWindow, dataDir: string): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const b = win.getNormalBounds();
    saveWindowState(dataDir, {
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
      maximized: win.isMaximized(),
    });
  };
  const later = (): void => {
    timer ??= setTimeout(save, 500);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev, later);
  win.on('close', save);
}
