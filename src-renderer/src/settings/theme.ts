/** Element Plus dark mode is the `dark` class on <html>; follow the system setting, live. */
export function followColorScheme(): void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = (): void => {
    document.documentElement.classList.toggle('dark', query.matches);
  };
  apply();
  query.addEventListener('change', apply);
}
