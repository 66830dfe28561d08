"""Reports over CRM records: the sales funnel, saved reports, dashboard layouts and exports.

Every figure is computed over the same access-scoped query the lists use
(crm.services.records.select_records), so a person's report holds only the records they may read.
"""
