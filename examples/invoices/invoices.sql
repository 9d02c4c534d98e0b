-- The migration `npm run db:generate` wrote for invoice.table.ts (added to src/database/schema.ts),
-- next to rolegate's own migrations in drizzle/. Migrations run at start-up.
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"number" text NOT NULL,
	"amount" numeric(14, 2) NOT NULL,
	"currency" text NOT NULL,
	"region" text NOT NULL,
	"customer_owner_id" uuid NOT NULL,
	"due_date" date NOT NULL,
	"paid_on" date,
	"collection_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_number_unique" UNIQUE("number"),
	CONSTRAINT "invoices_region_check" CHECK (region in ('EU', 'NA', 'APAC'))
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_region_fk" FOREIGN KEY ("customer_id","region") REFERENCES "public"."customers"("id","region") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_owner_fk" FOREIGN KEY ("customer_id","customer_owner_id") REFERENCES "public"."customers"("id","owner_id") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "invoices_created_idx" ON "invoices" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "invoices_region_created_idx" ON "invoices" USING btree ("region","created_at","id");--> statement-breakpoint
CREATE INDEX "invoices_owner_created_idx" ON "invoices" USING btree ("customer_owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "invoices_due_idx" ON "invoices" USING btree ("due_date","id");--> statement-breakpoint
CREATE INDEX "invoices_region_due_idx" ON "invoices" USING btree ("region","due_date","id");--> statement-breakpoint
CREATE INDEX "invoices_owner_due_idx" ON "invoices" USING btree ("customer_owner_id","due_date","id");