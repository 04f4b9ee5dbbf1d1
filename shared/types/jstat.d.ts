/** The parts of jStat (npm `jstat`, no bundled types) that sharebox uses: Student's t and Beta quantiles. */
declare module 'jstat' {
  export const jStat: {
    studentt: {
      /** The p-quantile of Student's t with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
    beta: {
      /** The p-quantile of Beta(a, b). */
      inv(p: number, a: number, b: number): number;
    };
  };
}
