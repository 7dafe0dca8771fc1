-- Which clause's definition of "active" an index version was built for (docs/isa-model.md, "The clause an index is
-- built for"): the clause whose services (and permitted match keys) the import applied, and the SHA-256 of the
-- canonical JSON of {clause_id, services} (activeDefinitionDigest in packages/isa). An exchange under a clause with
-- another digest is refused (INDEX_NOT_LOADED) rather than answered with flags made under a different list of
-- services. Versions imported before this migration keep nulls: they were built for the first clause of the ISA
-- version in effect when their import started, which the side-car works out when it answers.
ALTER TABLE index_version ADD COLUMN clause_id text;
ALTER TABLE index_version ADD COLUMN definition_digest text;
