// A deliberately small stand-in for the `electron` module: it records how the built main
// bundle wires itself (windows, handlers, hooks) so a test can check the wiring. Behaviour
// is covered by the web-mode e2e tests, not here.
const state = {
  windows: [],
  handlers: new Map(),
  listeners: new Map(),
  drags: [],
  openExternal: [],
  permissionHandler: undefined,
  sandboxEnabled: false,
  sent: [],
  singleInstanceAsked: false,
  exitCode: undefined,
  messageBoxes: [],
  openDialogs: [],
  shownItems: [],
  applicationMenu: undefined,
  popups: [],
  focusCount: 0,
  maximizeCount: 0,
  privilegedSchemes: [],
  protocolHandlers: new Map(),
  reloads: 0,
};
globalThis.__electronStub = state;

class Emitter {
  listeners = {};
  on(ev, fn) {
    (this.listeners[ev] ??= []).push(fn);
    return this;
  }
  once(ev, fn) {
    return this.on(ev, fn);
  }
  emit(ev, ...args) {
    for (const fn of this.listeners[ev] ?? []) fn(...args);
  }
}

let nextId = 1;
class WebContents extends Emitter {
  id = nextId++;
  mainFrame = { url: '', parent: null };
  windowOpenHandler = undefined;
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn;
  }
  send(...args) {
    state.sent.push(args);
  }
  reload() {
    state.reloads++;
  }
  startDrag(item) {
    state.drags.push(item);
  }
  isDestroyed() {
    return false;
  }
}

export const app = new (class extends Emitter {
  isPackaged = false;
  getPath() {
    return process.env.STUB_USER_DATA;
  }
  getLocale() {
    return 'en-US';
  }
  getName() {
    return 'cosdesk';
  }
  whenReady() {
    return Promise.resolve();
  }
  enableSandbox() {
    state.sandboxEnabled = true;
  }
  // STUB_SINGLE_INSTANCE=taken: another cosdesk instance already runs.
  requestSingleInstanceLock() {
    state.singleInstanceAsked = true;
    return process.env.STUB_SINGLE_INSTANCE !== 'taken';
  }
  quit() {}
  exit(code = 0) {
    state.exitCode = code;
    process.exit(code);
  }
})();

export class BrowserWindow extends Emitter {
  constructor(options) {
    super();
    this.options = options;
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width, height: options.height };
    this.maximized = false;
    this.webContents = new WebContents();
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  static getAllWindows() {
    return state.windows;
  }
  static getFocusedWindow() {
    return state.windows[0] ?? null;
  }
  loadURL(url) {
    this.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed === true;
  }
  isMinimized() {
    return false;
  }
  show() {}
  isVisible() {
    return true;
  }
  focus() {
    state.focusCount++;
  }
  restore() {}
  maximize() {
    this.maximized = true;
    state.maximizeCount++;
  }
  isMaximized() {
    return this.maximized;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
}

// Menus: the application menu's template is kept for the test to read and click; a popup
// "chooses" the item STUB_POPUP_CHOOSE names (none: dismissed).
export const Menu = {
  buildFromTemplate(template) {
    return {
      template,
      popup(opts) {
        state.popups.push(template.map((i) => i.label ?? `-${i.type}`));
        const pick = process.env.STUB_POPUP_CHOOSE;
        const items = template.filter((i) => i.type !== 'separator');
        if (pick !== undefined) items[Number(pick)]?.click?.();
        opts?.callback?.();
      },
    };
  },
  setApplicationMenu(menu) {
    state.applicationMenu = menu?.template;
  },
};

// One 1920x1080 display unless STUB_DISPLAYS (a JSON list of work areas) says otherwise.
export const screen = {
  getAllDisplays() {
    const areas = process.env.STUB_DISPLAYS
      ? JSON.parse(process.env.STUB_DISPLAYS)
      : [{ x: 0, y: 0, width: 1920, height: 1080 }];
    return areas.map((workArea) => ({ workArea, bounds: workArea }));
  },
};

export const ipcMain = {
  on(channel, fn) {
    state.listeners.set(channel, fn);
  },
  handle(channel, fn) {
    if (state.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    state.handlers.set(channel, fn);
  },
};

export const shell = {
  openExternal(url) {
    state.openExternal.push(url);
    return Promise.resolve();
  },
  showItemInFolder(path) {
    state.shownItems.push(path);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      state.permissionHandler = fn;
    },
    resolveProxy() {
      return Promise.resolve('DIRECT');
    },
  },
};

// Custom schemes: which are privileged, and the handler the app serves each with.
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    state.privilegedSchemes.push(...schemes);
  },
  handle(scheme, handler) {
    state.protocolHandlers.set(scheme, handler);
  },
};

// Records what the app asks for and answers as if the user picked one path.
export const dialog = {
  showOpenDialog: async (...args) => {
    const options = args.length > 1 ? args[1] : args[0];
    state.openDialogs.push(options);
    return { canceled: false, filePaths: ['/stub/picked'] };
  },
  showMessageBox: async (_win, options) => {
    state.messageBoxes.push(options);
    return { response: 0, checkboxChecked: false };
  },
};
export default { app, BrowserWindow, ipcMain, shell, session, dialog, Menu, screen, protocol };
