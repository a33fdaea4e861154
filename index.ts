/**
 * eqmd-matrix: the Matrix side of EquipeMed as one Pulumi declaration. `pulumi up` runs this
 * file; the declaration itself is program.ts.
 */
import { eqmdMatrix } from "./program";

export = eqmdMatrix(__dirname);
