/** This package's version; a test keeps it equal to package.json's. */
export const SDK_VERSION = '0.1.0';

/** The `sdk` name otel-sentry reports in envelopes and `sentry_client`. */
export const SDK_NAME = 'otel-sentry.javascript';
