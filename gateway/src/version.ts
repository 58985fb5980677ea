import pkg from '../../package.json';

/** The running build's version, from package.json (bundled at build time). */
export const version: string = pkg.version;
