export * from './rule';
export * from './evaluate';
export * from './rules';
export * from './linter-waivers';
