"""Multichannel publishing: one row per item and channel, with the channel's id for the item and
its state, so a partial failure is retried and reported channel by channel."""

from __future__ import annotations

from agentspec.agents.knowledge.coverage import externals, per_channel_table
from agentspec.agents.spine import DesignSpine, Entity
from agentspec.agents.knowledge.completion._shared import _room, completes


@completes("multichannel_publishing")
def _channel_publications(spine: DesignSpine, description: str) -> list[str]:
    """One row per item and channel, with the channel's own id for the item and its state, written
    by the code that publishes: a partial failure is then retried and reported channel by channel.
    The item and the channel together are one key (publication_key), as a file and its row are."""
    channels = externals(spine, "outbound_api", "outbound_notification")
    if not channels or per_channel_table(spine) is not None or not _room(spine, "entities"):
        return []
    spine.entities.append(Entity(
        table="channel_publications", change="new", key="id", unique=["publication_key"], money="none", owner=channels[0].connects_to,
        required_columns=["item_id", "channel", "channel_item_id", "status", "last_error"],
        purpose="one row per item and channel (publication_key is both): the channel's id for the item and its state"))
    return ["table channel_publications keeps each item's state and id on each channel, one row per item and channel"]
