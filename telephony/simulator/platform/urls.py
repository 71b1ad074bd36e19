from django.urls import path

from telephony.simulator.platform import (
    account_views,
    calllog_views,
    control_views,
    message_views,
    oauth_views,
    recording_views,
)

ACCOUNT = "restapi/v1.0/account/<str:account_id>"
EXTENSION = f"{ACCOUNT}/extension/<str:extension_id>"

urlpatterns = [
    path("restapi/oauth/authorize", oauth_views.authorize, name="sim-authorize"),
    path("restapi/oauth/token", oauth_views.token, name="sim-token"),
    path("restapi/oauth/revoke", oauth_views.revoke, name="sim-revoke"),
    path("restapi/oauth/wstoken", oauth_views.wstoken, name="sim-wstoken"),
    path(ACCOUNT, account_views.account_info, name="sim-account"),
    path(f"{ACCOUNT}/extension", account_views.extension_list, name="sim-extension-list"),
    path(EXTENSION, account_views.extension_detail, name="sim-extension"),
    path(f"{EXTENSION}/device", account_views.extension_devices, name="sim-extension-devices"),
    path(f"{ACCOUNT}/device/<str:device_id>", account_views.device_detail, name="sim-device"),
    path(f"{ACCOUNT}/call-log", calllog_views.company_call_log, name="sim-call-log"),
    path(f"{ACCOUNT}/call-log/<str:record_id>", calllog_views.company_call_record, name="sim-call-record"),
    path(f"{ACCOUNT}/call-log-sync", calllog_views.company_call_log_sync, name="sim-call-log-sync"),
    path(f"{EXTENSION}/call-log", calllog_views.extension_call_log, name="sim-ext-call-log"),
    path(
        f"{EXTENSION}/call-log/<str:record_id>",
        calllog_views.extension_call_record,
        name="sim-ext-call-record",
    ),
    path(f"{EXTENSION}/call-log-sync", calllog_views.extension_call_log_sync, name="sim-ext-call-log-sync"),
    path(f"{ACCOUNT}/recording/<str:recording_id>", recording_views.recording_detail, name="sim-recording"),
    path(
        f"{ACCOUNT}/recording/<str:recording_id>/content",
        recording_views.recording_content,
        name="sim-recording-content",
    ),
    path(f"{EXTENSION}/message-store", message_views.message_list, name="sim-message-list"),
    path(f"{EXTENSION}/message-store/<str:message_id>", message_views.message_detail, name="sim-message"),
    path(
        f"{EXTENSION}/message-store/<str:message_id>/content/<str:attachment_id>",
        message_views.message_content,
        name="sim-message-content",
    ),
    path("_sim/health", control_views.health, name="sim-health"),
    path("_sim/reset", control_views.reset, name="sim-reset"),
    path("_sim/apps", control_views.apps, name="sim-apps"),
    path("_sim/ttls", control_views.ttls, name="sim-ttls"),
    path("_sim/faults", control_views.faults, name="sim-faults"),
    path("_sim/limits", control_views.limits, name="sim-limits"),
    path("_sim/call-log/generate", control_views.call_log_generate, name="sim-call-log-generate"),
    path("_sim/call-log/records", control_views.call_log_record, name="sim-call-log-record"),
    path("_sim/messages", control_views.messages, name="sim-messages"),
    path("_sim/messages/<str:message_id>/audio", control_views.message_audio, name="sim-message-audio"),
    path("_sim/call-log/count", control_views.call_log_count, name="sim-call-log-count"),
    path("_sim/users", control_views.users, name="sim-users"),
    path("_sim/users/<str:who>/jwt", control_views.user_jwt, name="sim-user-jwt"),
    path("_sim/extensions", control_views.extension_add, name="sim-extension-add"),
    path("_sim/extensions/<str:who>", control_views.extension_update, name="sim-extension-update"),
    path("_sim/sessions", control_views.sessions, name="sim-sessions"),
    path("_sim/tokens/expire", control_views.expire_tokens, name="sim-expire-tokens"),
]
