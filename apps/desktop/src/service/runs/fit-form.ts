/**
 * How a fitted law's form is stored: the law written out, so a reader of the database needs no
 * code to interpret a and b. Shared by every writer of fits (the service and the CLI's sink).
 */
export const FIT_FORM_TEXT = { bon: "bon: d(a - b d)", rl: "rl: d(a - b ln d)" } as const;
