/** @file Ids of custom-VJP rules: calls are interned by rule id and inputs, so rules that compute differently never share one. */

let nextRuleId = 0;

/** A fresh custom-rule id. */
export const newCustomRuleId = (): number => nextRuleId++;
