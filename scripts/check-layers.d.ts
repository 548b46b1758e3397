/** Types of check-layers.js, for the spec that checks the checker. */
export declare const LAYERS: readonly (readonly string[])[];
/** The violations among `files`, a map of paths relative to src/ (with `.ts`) to their text. */
export declare function checkLayers(files: ReadonlyMap<string, string>): string[];
/** Every .ts file under `root`, by path relative to it. */
export declare function readSources(root: string): Map<string, string>;
