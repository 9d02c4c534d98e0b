-- What `npm run db:generate` writes for invoice.table.ts (a migration in drizzle/).
CREATE TABLE "invoices" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "customer_id" uuid NOT NULL REFERENCES "customers"("id"),
  "number" text NOT NULL UNIQUE,
  "amount" numeric(14, 2) NOT NULL,
  "currency" text NOT NULL,
  "region" text NOT NULL,
  "customer_owner_id" uuid NOT NULL REFERENCES "users"("id"),
  "due_date" date NOT NULL,
  "paid_on" date,
  "collection_note" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX "invoices_created_idx" ON "invoices" ("created_at", "id");
CREATE INDEX "invoices_region_created_idx" ON "invoices" ("region", "created_at", "id");
CREATE INDEX "invoices_owner_created_idx" ON "invoices" ("customer_owner_id", "created_at", "id");
CREATE INDEX "invoices_due_idx" ON "invoices" ("due_date", "id");
CREATE INDEX "invoices_region_due_idx" ON "invoices" ("region", "due_date", "id");
CREATE INDEX "invoices_owner_due_idx" ON "invoices" ("customer_owner_id", "due_date", "id");
