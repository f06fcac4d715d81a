/** What the server that rendered the page tells it (`window.APP_CONFIG`, set in the HTML). */
export interface AppConfig {
  /** The Sentry DSN of the browser project. */
  readonly sentryDsn: string;
  /** The origin of the backend API, e.g. `https://api.example.com`. */
  readonly apiOrigin: string;
}

export const config = (globalThis as unknown as { APP_CONFIG: AppConfig }).APP_CONFIG;
