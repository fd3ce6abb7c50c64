"""Find anything (找工单): ticket number, phone, name, words and address, with filters, paging
and saved views, for the page `/tickets` and `GET /api/v1/tickets`."""
