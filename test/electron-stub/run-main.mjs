// Loads the built main bundle against the electron stub, pokes its hooks, prints a report.
import { register } from 'node:module';
import { existsSync, writeSync } from 'node:fs';

register('./hooks.mjs', import.meta.url);
const mainPath = process.argv[2];
if (process.env.STUB_SINGLE_INSTANCE === 'taken') {
  // A second instance: report what it did before it exited (or after it ran on, on old code).
  process.on('exit', (code) => {
    const st = globalThis.__electronStub;
    writeSync(
      1,
      JSON.stringify({
        code,
        singleInstanceAsked: st.singleInstanceAsked,
        exitCalled: st.exitCode !== undefined,
        windows: st.windows.length,
        handlers: st.handlers.size,
        listeners: st.listeners.size,
        permissionHandler: st.permissionHandler !== undefined,
      }),
    );
  });
  await import(mainPath);
  // Give a main that ran on (instead of exiting) time to open its data folder.
  await new Promise((r) => setTimeout(r, 500));
  process.exit(0);
}
await import(mainPath);
const s = globalThis.__electronStub;
const { app } = await import('electron');
const win = s.windows[0];
const wc = win.webContents;

const navigate = (ev, url) => {
  let prevented = false;
  for (const fn of wc.listeners[ev] ?? []) fn({ preventDefault: () => (prevented = true) }, url);
  return prevented;
};
const opened = (url) => {
  const before = s.openExternal.length;
  const result = wc.windowOpenHandler({ url });
  return { action: result.action, external: s.openExternal.length > before };
};
const call = async (channel, payload, event) => s.handlers.get(channel)(event, payload);
const own = { sender: wc, senderFrame: wc.mainFrame };
const subFrame = { sender: wc, senderFrame: { url: wc.mainFrame.url, parent: wc.mainFrame } };
const foreignPage = { sender: wc, senderFrame: Object.assign(wc.mainFrame, {}) };
let permission;
s.permissionHandler({}, 'media', (ok) => (permission = ok));

const report = {
  windows: s.windows.length,
  webPreferences: win.options.webPreferences,
  preloadExists: existsSync(win.options.webPreferences.preload),
  url: win.url,
  channels: [...s.handlers.keys()].sort(),
  sandboxEnabled: s.sandboxEnabled,
  messageBoxes: s.messageBoxes,
  willNavigatePrevented: navigate('will-navigate', 'https://evil.example/'),
  willRedirectPrevented: navigate('will-redirect', 'https://evil.example/'),
  webviewPrevented: navigate('will-attach-webview'),
  openHttps: opened('https://cloud.tencent.com/document/product/436'),
  openFile: opened('file:///etc/passwd'),
  openJs: opened('javascript:alert(1)'),
  openCustom: opened('smb://server/share'),
  externalOpened: s.openExternal,
  permissionGranted: permission,
  ownCall: await call('cosdesk:accounts.list', {}, own),
  badPayload: await call('cosdesk:accounts.get', { id: 42 }, own),
  subFrameCall: await call('cosdesk:accounts.list', {}, subFrame),
  strangerCall: await call(
    'cosdesk:accounts.list',
    {},
    { sender: { id: 999 }, senderFrame: { url: wc.mainFrame.url } },
  ),
};
// Drag-out: a one-way message, checked for sender and payload before anything is fetched.
const dragOut = s.listeners.get('cosdesk:drag-out');
report.dragOutRegistered = typeof dragOut === 'function';
dragOut(
  { sender: { id: 999, isDestroyed: () => false }, senderFrame: { url: wc.mainFrame.url } },
  {
    accountId: 'acc-x',
    bucket: 'b',
    keys: ['a.txt'],
  },
);
dragOut(own, { accountId: 'acc-x', bucket: 'b', keys: [] });
dragOut(own, { bucket: 'b', keys: ['a.txt'], extra: true });
await new Promise((r) => setTimeout(r, 100));
report.dragsStarted = s.drags.length;
// Upload pickers: the files.pickUpload call opens the native dialog (files, then folders).
report.pickFiles = await call('cosdesk:files.pickUpload', { kind: 'files' }, own);
report.pickFolder = await call('cosdesk:files.pickUpload', { kind: 'folder' }, own);
report.openDialogs = s.openDialogs.map((o) => o.properties);
// A page that navigated elsewhere (were navigation ever allowed) must lose access too.
foreignPage.senderFrame.url = 'https://evil.example/';
report.foreignOriginCall = await call('cosdesk:accounts.list', {}, foreignPage);

// Desktop conventions (issue 12 item 8), from the window's own page again.
wc.mainFrame.url = win.url;
report.windowOptions = {
  x: win.options.x,
  y: win.options.y,
  width: win.options.width,
  height: win.options.height,
};
const menu = s.applicationMenu ?? [];
report.menu = menu.map((m) => ({
  label: m.label,
  items: (m.submenu ?? [])
    .filter((i) => i.type !== 'separator')
    .map((i) => ({
      label: i.label,
      accelerator: i.accelerator,
      role: i.role,
      id: i.id,
    })),
}));
const settingsItem = menu.flatMap((m) => m.submenu ?? []).find((i) => i.id === 'settings');
const sentBefore = s.sent.length;
settingsItem?.click?.();
await new Promise((r) => setTimeout(r, 50));
report.sentAfterMenuClick = s.sent.slice(sentBefore);
const focusBefore = s.focusCount;
app.emit('second-instance', {}, ['cosdesk'], '/');
report.focusedOnSecondInstance = s.focusCount - focusBefore;
report.popup = await call(
  'cosdesk:desktop.popupMenu',
  { items: [{ label: 'Open' }, { label: 'Download' }, { label: 'Delete', separatorBefore: true }] },
  own,
);
report.popups = s.popups;
win.emit('ready-to-show');
report.maximizedAtStart = s.maximizeCount > 0;
// The window moves and closes: its state is saved for the next start.
win.bounds = JSON.parse(process.env.STUB_MOVE_TO ?? 'null') ?? win.bounds;
if (process.env.STUB_MAXIMIZE === '1') win.maximize();
win.emit('close');
process.stdout.write(JSON.stringify(report));
process.exit(0);
