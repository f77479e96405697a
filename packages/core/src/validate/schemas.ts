/** @file The schema combinators under one name (`s.tensor()`, `s.options({...})`), as public functions declare them. */
export {
  anything,
  array,
  axes,
  axis,
  boolean,
  count,
  custom,
  dtype,
  either,
  finite,
  fn,
  nullable,
  number,
  oneOf,
  oneOfNumbers,
  optional,
  shape,
  string,
  tensor,
  tensorLike,
} from './schema.js';
export { options } from './options.js';
