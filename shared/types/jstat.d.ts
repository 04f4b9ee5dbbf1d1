/** The one part of jStat (npm `jstat`, no bundled types) that sharebox uses: Student's t quantile. */
declare module 'jstat' {
  export const jStat: {
    studentt: {
      /** The p-quantile of Student's t with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
