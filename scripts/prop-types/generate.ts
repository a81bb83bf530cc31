/**
 * Rewrites lib/core/prop-types.generated.ts from the declarations (see props-table.ts):
 *   npm run props:update
 */
import * as fs from 'fs';
import * as path from 'path';
import { propTypesSource, readPropsTable } from './props-table';

fs.writeFileSync(path.join(__dirname, '..', '..', 'lib', 'core', 'prop-types.generated.ts'), propTypesSource(readPropsTable()));
