/** Document Properties: strings only, at most 9 KB a value, as Apps Script enforces. */
export function createDocumentProperties(properties: Map<string, string>) {
  const documentProperties = {
    getProperty: (k: string) => properties.get(k) ?? null,
    getProperties: () => Object.fromEntries(properties),
    setProperty(k: string, v: string) {
      const value = String(v);
      if (value.length > 9 * 1024) throw new Error(`Argument too large: value (${k})`);
      properties.set(k, value);
      return documentProperties;
    },
    setProperties(values: Record<string, string>) {
      for (const [k, v] of Object.entries(values)) documentProperties.setProperty(k, v);
      return documentProperties;
    },
    deleteProperty(k: string) {
      properties.delete(k);
      return documentProperties;
    },
  };
  return documentProperties;
}

/** The document lock: one holder at a time, never waiting (tryLock answers at once). */
export function createLockService(lock: { held: boolean }) {
  return {
    getDocumentLock: () => ({
      tryLock: () => {
        if (lock.held) return false;
        lock.held = true;
        return true;
      },
      releaseLock: () => {
        lock.held = false;
      },
    }),
  };
}
