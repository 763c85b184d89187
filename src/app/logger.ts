// A minimal logger interface so the same code logs through InvocationContext in Azure and to the console
// locally. Messages never contain tokens, keys or connection strings.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export function consoleLogger(verbose = false, prefix = ''): Logger {
  const p = prefix ? `[${prefix}] ` : '';
  return {
    info: (m) => console.log(`${p}${m}`),
    warn: (m) => console.warn(`${p}warning: ${m}`),
    error: (m) => console.error(`${p}error: ${m}`),
    debug: (m) => {
      if (verbose) console.log(`${p}${m}`);
    },
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
