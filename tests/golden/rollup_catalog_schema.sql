PRAGMA user_version = 1;

CREATE TABLE "departments" (
   "id" TEXT PRIMARY KEY NOT NULL,
   "name" TEXT NOT NULL,
   "name_en" TEXT,
   "level" TEXT NOT NULL,
   "region" TEXT,
   "path" TEXT NOT NULL,
   "position" INTEGER NOT NULL,
   "loaded" INTEGER NOT NULL,
   "registry" TEXT,
   "year" INTEGER,
   "powers" INTEGER,
   "flowcharts" INTEGER,
   "risk_points" INTEGER,
   "countermeasures" INTEGER,
   "high_risks" INTEGER,
   "high_covered" INTEGER,
   "coverage" REAL,
   "errors" INTEGER,
   "warnings" INTEGER,
   "infos" INTEGER,
   "problems" INTEGER
);

CREATE TABLE "registries" (
   "department" TEXT PRIMARY KEY NOT NULL REFERENCES "departments"("id"),
   "id" TEXT NOT NULL,
   "schema_version" INTEGER NOT NULL,
   "department_name" TEXT NOT NULL,
   "department_en" TEXT,
   "year" INTEGER NOT NULL,
   "source" TEXT NOT NULL,
   "license" TEXT,
   "risk_matrix" TEXT,
   "posts" TEXT
);

CREATE TABLE "categories" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "code" TEXT NOT NULL,
   "name" TEXT NOT NULL,
   "name_en" TEXT,
   "position" INTEGER NOT NULL,
   PRIMARY KEY ("department", "code")
);

CREATE TABLE "powers" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "id" TEXT PRIMARY KEY NOT NULL,
   "category" TEXT NOT NULL,
   "name" TEXT NOT NULL,
   "name_en" TEXT,
   "legal_basis" TEXT NOT NULL,
   "subject" TEXT NOT NULL,
   "division" TEXT NOT NULL,
   "statutory_limit" INTEGER,
   "statutory_unit" TEXT,
   "promised_limit" INTEGER,
   "promised_unit" TEXT,
   "fee" TEXT,
   "description" TEXT,
   "responsibilities" TEXT NOT NULL,
   "accountability" TEXT NOT NULL,
   "public" INTEGER NOT NULL,
   "disclosure_reason" TEXT,
   "reason" TEXT,
   "position" INTEGER NOT NULL,
   "source_file" TEXT,
   "source_line" INTEGER,
   "source_column" INTEGER
);

CREATE TABLE "flowcharts" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "id" TEXT PRIMARY KEY NOT NULL,
   "power_id" TEXT NOT NULL REFERENCES "powers"("id"),
   "local_id" TEXT NOT NULL,
   "title" TEXT NOT NULL,
   "position" INTEGER NOT NULL,
   "source_line" INTEGER,
   "source_column" INTEGER
);

CREATE TABLE "steps" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "id" TEXT PRIMARY KEY NOT NULL,
   "flowchart_id" TEXT NOT NULL REFERENCES "flowcharts"("id"),
   "local_id" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "label" TEXT NOT NULL,
   "role" TEXT,
   "days" INTEGER,
   "pauses_clock" INTEGER NOT NULL,
   "no_risk_reason" TEXT,
   "position" INTEGER NOT NULL,
   "source_line" INTEGER,
   "source_column" INTEGER
);

CREATE TABLE "transitions" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "flowchart_id" TEXT NOT NULL REFERENCES "flowcharts"("id"),
   "source" TEXT NOT NULL REFERENCES "steps"("id"),
   "target" TEXT NOT NULL REFERENCES "steps"("id"),
   "condition" TEXT,
   "position" INTEGER NOT NULL,
   PRIMARY KEY ("flowchart_id", "source", "target")
);

CREATE TABLE "risk_points" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "id" TEXT PRIMARY KEY NOT NULL,
   "power_id" TEXT NOT NULL REFERENCES "powers"("id"),
   "step_id" TEXT NOT NULL REFERENCES "steps"("id"),
   "local_id" TEXT NOT NULL,
   "level" TEXT NOT NULL,
   "type" TEXT NOT NULL,
   "description" TEXT NOT NULL,
   "likelihood" INTEGER,
   "impact" INTEGER,
   "reason" TEXT,
   "position" INTEGER NOT NULL,
   "source_line" INTEGER,
   "source_column" INTEGER
);

CREATE TABLE "countermeasures" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "id" TEXT PRIMARY KEY NOT NULL,
   "risk_point_id" TEXT NOT NULL REFERENCES "risk_points"("id"),
   "local_id" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "stage" TEXT NOT NULL,
   "description" TEXT NOT NULL,
   "responsible" TEXT,
   "position" INTEGER NOT NULL,
   "source_line" INTEGER,
   "source_column" INTEGER
);

CREATE TABLE "units" (
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "name" TEXT NOT NULL,
   "name_en" TEXT,
   "kind" TEXT NOT NULL,
   "posts" TEXT NOT NULL,
   "position" INTEGER NOT NULL,
   PRIMARY KEY ("department", "name")
);

CREATE TABLE "findings" (
   "id" INTEGER PRIMARY KEY NOT NULL,
   "department" TEXT NOT NULL REFERENCES "departments"("id"),
   "code" TEXT NOT NULL,
   "severity" TEXT NOT NULL,
   "entity" TEXT,
   "file" TEXT,
   "line" INTEGER,
   "column" INTEGER,
   "message" TEXT NOT NULL,
   "message_en" TEXT NOT NULL
);

CREATE TABLE "_metadata" (
   "table_name" TEXT NOT NULL,
   "column_name" TEXT NOT NULL,
   "key" TEXT NOT NULL,
   "value" TEXT NOT NULL,
   PRIMARY KEY ("table_name", "column_name", "key")
);

CREATE VIRTUAL TABLE "powers_fts" USING fts5(grams, content='', tokenize='unicode61');

CREATE VIRTUAL TABLE "risk_points_fts" USING fts5(grams, content='', tokenize='unicode61');

CREATE VIRTUAL TABLE "countermeasures_fts" USING fts5(grams, content='', tokenize='unicode61');

CREATE INDEX "idx_powers_department"
    ON "powers" ("department");

CREATE INDEX "idx_flowcharts_department"
    ON "flowcharts" ("department");

CREATE INDEX "idx_flowcharts_power_id"
    ON "flowcharts" ("power_id");

CREATE INDEX "idx_steps_department"
    ON "steps" ("department");

CREATE INDEX "idx_steps_flowchart_id"
    ON "steps" ("flowchart_id");

CREATE INDEX "idx_transitions_department"
    ON "transitions" ("department");

CREATE INDEX "idx_transitions_source"
    ON "transitions" ("source");

CREATE INDEX "idx_transitions_target"
    ON "transitions" ("target");

CREATE INDEX "idx_risk_points_department"
    ON "risk_points" ("department");

CREATE INDEX "idx_risk_points_power_id"
    ON "risk_points" ("power_id");

CREATE INDEX "idx_risk_points_step_id"
    ON "risk_points" ("step_id");

CREATE INDEX "idx_countermeasures_department"
    ON "countermeasures" ("department");

CREATE INDEX "idx_countermeasures_risk_point_id"
    ON "countermeasures" ("risk_point_id");

CREATE INDEX "idx_findings_department"
    ON "findings" ("department");

CREATE VIEW "risk_coverage" AS SELECT
    r.department,
    r.id,
    r.power_id,
    p.name AS power_name,
    p.category,
    r.step_id,
    r.level,
    r.type,
    r.description,
    (SELECT count(*) FROM countermeasures m WHERE m.risk_point_id = r.id) AS measures,
    (SELECT group_concat(kind, ',') FROM (
        SELECT DISTINCT kind FROM countermeasures m
        WHERE m.risk_point_id = r.id ORDER BY CASE kind WHEN 'institution' THEN 0 WHEN 'separation' THEN 1 WHEN 'disclosure' THEN 2 WHEN 'supervision' THEN 3 WHEN 'technology' THEN 4 WHEN 'education' THEN 5 END)) AS kinds,
    (SELECT group_concat(stage, ',') FROM (
        SELECT DISTINCT stage FROM countermeasures m
        WHERE m.risk_point_id = r.id ORDER BY CASE stage WHEN 'before' THEN 0 WHEN 'during' THEN 1 WHEN 'after' THEN 2 END)) AS stages,
    EXISTS (SELECT 1 FROM countermeasures m WHERE m.risk_point_id = r.id
            AND m.kind IN ('supervision', 'technology')) AS supervised
FROM risk_points r
JOIN powers p ON p.id = r.power_id
JOIN departments d ON d.id = r.department
ORDER BY d.position, p.position, r.position;

CREATE VIEW "power_overview" AS SELECT
    p.department,
    p.id,
    p.category,
    c.name AS category_name,
    p.name,
    (SELECT count(*) FROM flowcharts f WHERE f.power_id = p.id) AS flowcharts,
    (SELECT count(*) FROM steps s JOIN flowcharts f ON f.id = s.flowchart_id
     WHERE f.power_id = p.id) AS steps,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id) AS risk_points,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id AND r.level = 'high') AS high,
    (SELECT count(*) FROM risk_points r
     WHERE r.power_id = p.id AND r.level = 'medium') AS medium,
    (SELECT count(*) FROM risk_points r WHERE r.power_id = p.id AND r.level = 'low') AS low,
    (SELECT count(*) FROM countermeasures m JOIN risk_points r ON r.id = m.risk_point_id
     WHERE r.power_id = p.id) AS countermeasures,
    p.statutory_limit,
    p.statutory_unit,
    p.promised_limit,
    p.promised_unit,
    p.public
FROM powers p
JOIN categories c ON c.department = p.department AND c.code = p.category
JOIN departments d ON d.id = p.department
ORDER BY d.position, p.position;
