export const roles = ["analyst", "data_scientist", "manager", "admin"] as const;
export type Role = (typeof roles)[number];

/** Each role can do everything the roles before it can. */
export const roleLadder: readonly Role[] = roles;

export const roleLabels: Record<Role, string> = {
  analyst: "Analyst",
  data_scientist: "Data scientist",
  manager: "Manager",
  admin: "Admin",
};

export function atLeast(role: Role, min: Role): boolean {
  return roleLadder.indexOf(role) >= roleLadder.indexOf(min);
}

/** Who is asking, in which workspace, with which role there. */
export type Principal = {
  userId: string;
  email: string;
  name: string;
  workspaceId: string;
  workspaceName: string;
  role: Role;
};

/** Managers and admins see every run of the workspace; others see theirs and their pipelines'. */
export function seesAllRuns(p: Principal): boolean {
  return atLeast(p.role, "manager");
}
