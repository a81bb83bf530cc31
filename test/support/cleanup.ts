import * as fs from 'fs';
import { TEMPORARY_FOLDERS } from './synth';

// Registered for every test file (jest setupFilesAfterEnv): remove the folders tests created.
afterAll(() => {
  for (const dir of TEMPORARY_FOLDERS.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
