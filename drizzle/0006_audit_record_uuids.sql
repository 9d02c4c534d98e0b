ALTER TABLE "audit_events" ALTER COLUMN "record_ids" SET DATA TYPE uuid[] USING "record_ids"::uuid[];
