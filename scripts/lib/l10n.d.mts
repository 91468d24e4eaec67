/** The languages shipped besides English. */
export declare const languages: string[];
/** Every problem of the translations under `root`; none when all is well. */
export declare function checkTranslations(root?: string): Promise<string[]>;
