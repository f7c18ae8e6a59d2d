from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User

admin.site.register(User, UserAdmin)
# Memberships are registered by engine/admin.py: their role is chosen from a catalogue the
# project's published flows extend, which this app cannot read (it sits below the engine).
