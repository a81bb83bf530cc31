/** Integration suites (real servers, real linters). Run one folder at a time: jest -c jest.integration.config.js test/integration/<suite> */
const unit = require('./jest.config.js');
module.exports = {
  ...unit,
  testPathIgnorePatterns: ['/node_modules/'],
  roots: ['<rootDir>/test/integration'],
  testTimeout: 600000,
  maxWorkers: 1,
};
