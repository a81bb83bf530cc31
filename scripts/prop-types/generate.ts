/**
 * Rewrites lib/core/prop-types.generated.ts from the declarations (see props-table.ts):
 *   npx ts-node --transpile-only -P tsconfig.json scripts/prop-types/generate.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { propTypesSource, readPropsTable } from './props-table';

fs.writeFileSync(path.join(__dirname, '..', '..', 'lib', 'core', 'prop-types.generated.ts'), propTypesSource(readPropsTable()));
