/** The admin token lives in sessionStorage: it survives reloads of the tab, and is gone when the tab closes. */
const KEY = 'flagstaff.adminToken';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
