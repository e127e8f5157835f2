-- Folio chart database, schema 18: lab orders placed as a panel.
--
-- A panel (lipid panel, CBC, ...) is ordered as one order per test, so that
-- each result answers, trends and is reviewed on its own. The orders placed
-- together keep which panel they were placed as (its key in Folio's panel
-- list) and one id shared by that placement, so the chart shows them as
-- the panel again however the panel list changes later. '' for a test
-- ordered alone.

ALTER TABLE lab_orders ADD COLUMN panel TEXT NOT NULL DEFAULT '';
ALTER TABLE lab_orders ADD COLUMN panel_id TEXT NOT NULL DEFAULT '';
