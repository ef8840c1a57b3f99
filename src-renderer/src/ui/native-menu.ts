import { bridge } from '../bridge/store';

/**
 * The desktop app shows an HTML menu's items as a native context menu (Electron's Menu.popup);
 * the chosen item's button is clicked, so the menu's own handlers run. Reads the items from the
 * rendered menu (`[role=menuitem]`, separators `[role=separator]`), so whatever a feature adds
 * to the menu shows natively too. Resolves false where there is no native menu (web mode):
 * show the HTML menu then. `onDismiss` runs when nothing was chosen.
 */
export async function popupNatively(
  root: HTMLElement,
  at: { x: number; y: number },
  onDismiss: () => void,
): Promise<boolean> {
  const buttons = [...root.querySelectorAll<HTMLButtonElement>('[role=menuitem]')];
  if (buttons.length === 0) return false;
  const items = buttons.map((b) => {
    const label = [...b.childNodes]
      .filter((n) => !(n instanceof HTMLElement && n.classList.contains('shortcut')))
      .map((n) => n.textContent ?? '')
      .join('')
      .trim();
    const prev = b.previousElementSibling;
    return { label, enabled: !b.disabled, separatorBefore: prev?.getAttribute('role') === 'separator' };
  });
  const answer = await bridge().desktop.popupMenu({
    items,
    x: Math.max(0, Math.round(at.x)),
    y: Math.max(0, Math.round(at.y)),
  });
  if (!answer.native) return false;
  if (answer.chosen !== undefined) buttons[answer.chosen]?.click();
  else onDismiss();
  return true;
}
