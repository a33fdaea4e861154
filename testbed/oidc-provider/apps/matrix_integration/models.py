"""The room ids eqmd keeps: one global room, one DM room per user, the bot's conversation state.

eqmd reuses these rows forever, also after a reset destroyed the rooms they name; that is the
behaviour the contract reproduces (and the program's clearStaleRooms step undoes).
"""
import uuid

from django.conf import settings
from django.db import models


class MatrixGlobalRoom(models.Model):
    room_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class MatrixDirectRoom(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matrix_direct_room"
    )
    room_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class MatrixBotConversationState(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matrix_bot_states"
    )
    room_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=50)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
