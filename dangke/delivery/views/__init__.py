"""Pages of ordering and delivery, one module per feature. Every change goes through
`dangke.delivery.services`; every read through `visible_to(request.scope)`."""
