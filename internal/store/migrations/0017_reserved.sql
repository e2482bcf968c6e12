-- Reserved: version 17 is another branch's migration. This file keeps the
-- numbering contiguous until the branches are merged, and is then replaced
-- by that migration.
SELECT 1;
