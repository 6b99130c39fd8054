import type { Migration } from "./migration.ts";

/** Datasets, their examples, labels and label sets. */
export const migration0010: Migration = {
  version: 10,
  name: "datasets",
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        format TEXT NOT NULL,
        row_count INTEGER NOT NULL DEFAULT 0,
        detection TEXT,
        imported_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX datasets_content_hash ON datasets(content_hash);

      CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        row_index INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('pair', 'ranked', 'single')),
        prompt TEXT NOT NULL,
        prompt_messages TEXT,
        response_a TEXT,
        response_b TEXT,
        responses TEXT,
        category TEXT,
        metadata TEXT
      ) STRICT;
      CREATE UNIQUE INDEX examples_dataset_row ON examples(dataset_id, row_index);

      CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        example_id INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
        dimension TEXT NOT NULL DEFAULT 'overall',
        preferred TEXT NOT NULL CHECK (preferred IN ('a', 'b', 'tie', 'good', 'bad')),
        source TEXT NOT NULL CHECK (source IN ('gold', 'human', 'llm', 'synthetic')),
        annotator TEXT,
        confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX labels_example_dimension ON labels(example_id, dimension);

      CREATE TABLE label_sets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        dimension TEXT NOT NULL,
        source TEXT,
        flip_p REAL NOT NULL CHECK (flip_p >= 0 AND flip_p <= 1),
        seed INTEGER NOT NULL,
        size INTEGER NOT NULL,
        flipped_count INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE label_set_members (
        label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
        label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
        preferred TEXT NOT NULL CHECK (preferred IN ('a', 'b', 'tie', 'good', 'bad')),
        flipped INTEGER NOT NULL CHECK (flipped IN (0, 1)),
        PRIMARY KEY (label_set_id, label_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
