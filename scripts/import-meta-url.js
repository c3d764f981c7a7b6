// Injected into the CommonJS bundle by scripts/build.mjs: import.meta.url as the ES modules saw it.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
