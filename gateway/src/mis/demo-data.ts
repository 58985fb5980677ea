/**
 * The MIS tables as the original system has them (FLOAT money, DATETIME dates, the columns qb-bridge never
 * touches), and a small university's sample data — for `qb-bridge demo`. Emulator item ids: 1 Services,
 * 6 Tuition.
 */
export const demoMisSchema = `
CREATE TABLE tbl_income_category (
  id INT PRIMARY KEY AUTO_INCREMENT, invTypeId INT, camp_id INT, prg_type INT, name VARCHAR(100), amount FLOAT,
  description TEXT, recorded_date DATETIME, status_Id INT DEFAULT 1, category VARCHAR(200), QuickBk_ctgId INT
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_personal_ug (
  per_id_ug INT PRIMARY KEY AUTO_INCREMENT, reg_no VARCHAR(200) NOT NULL, sex VARCHAR(6), fname VARCHAR(250),
  middlename VARCHAR(200), lname VARCHAR(100), national_id VARCHAR(20), phone1 VARCHAR(100), phone2 VARCHAR(20),
  email1 VARCHAR(50), email2 VARCHAR(50), qk_id VARCHAR(50), pushed_by VARCHAR(200) DEFAULT 'System Auto Push',
  pushed_date DATETIME, QuickBk_Status INT DEFAULT 0, KEY reg_no (reg_no)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_online_application (
  appl_Id INT PRIMARY KEY AUTO_INCREMENT, tracking_id VARCHAR(100), reg_no VARCHAR(200), first_name VARCHAR(100),
  middlename VARCHAR(100), family_name VARCHAR(100), email VARCHAR(100), phone VARCHAR(30), status INT,
  QuickBk_Status INT DEFAULT 0, pushed_by VARCHAR(200), pushed_date DATETIME, quickbooks_id VARCHAR(255),
  KEY tracking_id (tracking_id)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_imvoice (
  id INT PRIMARY KEY AUTO_INCREMENT, reg_no VARCHAR(200), level_id INT, fee_category INT, module_id INT,
  Rpt_Id INT, appl_Id INT, dept FLOAT, credit FLOAT, balance FLOAT, invoice_date DATETIME,
  reference_number VARCHAR(255), comment VARCHAR(900), user VARCHAR(20), date DATETIME, intake_id INT,
  QuickBk_Status INT DEFAULT 0, pushed_by VARCHAR(200), pushed_date DATETIME, quickbooks_id VARCHAR(255)
) DEFAULT CHARSET=utf8mb4;
INSERT INTO tbl_income_category (id, name, amount, QuickBk_ctgId) VALUES
  (1, 'Tuition Fee', 450000, 6), (2, 'Registration Fee', 25000, 1), (3, 'Library Fee', 10000, NULL);
INSERT INTO tbl_personal_ug (per_id_ug, reg_no, fname, middlename, lname, email1, phone1) VALUES
  (1, 'EAUR/2025/0001', 'Aline', '', 'Uwase', 'aline.uwase@example.rw', '+250 788 123 456'),
  (2, 'EAUR/2025/0002', 'Jean-Paul', 'Marie', 'Habimana', 'not-an-email', '0788 555 010'),
  (3, 'EAUR/2025/0003', 'Siobhán', '', 'O''Neill', 'siobhan@example.ie', NULL);
INSERT INTO tbl_online_application (appl_Id, tracking_id, first_name, family_name, email, phone) VALUES
  (1, 'APP-2025-7781', 'Eric', 'Nshuti', 'eric.nshuti@example.rw', '0788 999 888');
INSERT INTO tbl_imvoice (id, reg_no, fee_category, dept, credit, invoice_date, comment, QuickBk_Status) VALUES
  (1001, 'EAUR/2025/0001', 1, 450000, 0, '2025-09-01 08:00:00', 'Semester 1', 0),
  (1002, 'EAUR/2025/0001', 2, 25000, 5000, '2025-09-01 08:00:00', NULL, 0),
  (1003, 'EAUR/2025/0002', 1, 450000, 0, '2025-09-02 08:00:00', 'Semester 1', 0),
  (1004, 'EAUR/2025/0003', 1, 225000.5, 0, '2025-09-03 08:00:00', 'O''Neill — 1st instalment', 0),
  (1005, 'APP-2025-7781', 2, 25000, 0, '2025-09-04 08:00:00', 'Application fee', 0),
  (1006, 'EAUR/2025/0002', 3, 10000, 0, '2025-09-05 08:00:00', NULL, 0),
  (1007, 'EAUR/2025/9999', 1, 450000, 0, '2025-09-06 08:00:00', NULL, 0),
  (1008, 'EAUR/2025/0003', 2, 0, 0, '2025-09-07 08:00:00', NULL, 0);
`;
