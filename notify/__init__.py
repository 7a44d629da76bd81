"""The outbox: messages to citizens and staff (SMS, e-mail) delivered in the background with retries.

Other apps call ``notify.services.send(...)`` inside their own transaction and nothing else
(``from notify import services as notify; notify.send(...)``); notify never imports them.
"""
