/**
 * The headcount from an EmployeeQueryRs. Only ListID and IsActive are ever requested, so nothing here can
 * carry personal data. Status 1 ("no matching object") is a company with no employees: 0, not an error.
 */
import { classifyStatus, type EmployeeResponse, type StatusClass } from '../qbxml/qbxml-parse';

export interface EmployeeCount {
  status: StatusClass;
  count: number;
}

export function countActiveEmployees(response: EmployeeResponse): EmployeeCount {
  const status = classifyStatus(response.status);
  if (status === 'error') return { status, count: 0 };
  const ids = new Set(response.employees.filter((e) => e.isActive).map((e, i) => e.listId || `#${i}`));
  return { status, count: ids.size };
}
