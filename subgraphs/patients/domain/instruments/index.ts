/** The instruments the hub ships: adding one is adding its data file here. */
import { AHC_HRSN } from './ahc-hrsn';
import { GAD_7 } from './gad-7';
import { PHQ_9 } from './phq-9';
import type { Instrument } from './types';

export type { Instrument } from './types';
export const INSTRUMENTS: readonly Instrument[] = [PHQ_9, GAD_7, AHC_HRSN];

const byId = new Map(INSTRUMENTS.map((i) => [i.id.toUpperCase(), i]));
/** Case-insensitive: "phq-9" is PHQ-9. */
export const instrumentById = (id: string): Instrument | undefined => byId.get(id.trim().toUpperCase());
